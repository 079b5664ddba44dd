/** Operations GraphiQL opens with: the API's manual, one tab per page a frontend builds. */
export const ARTICLE_PAGE_QUERY = `# An article page: the story with its section, summary, reading time, date,
# its authors and any audio or video attached (a player for a podcast episode),
# the sources that carried it, and a "Related editorial" block from any section.
query ArticlePage($section: String = "technology") {
  articles(first: 1, section: $section) {
    edges {
      node {
        id
        title
        summary
        url
        authors { name url }
        language
        publishedAt
        readingTimeMinutes
        image { url width height }
        enclosures { url type durationSeconds }
        tags
        section { slug name }
        sources { name }
        related(first: 3) {
          score
          reason
          article {
            title
            summary
            url
            readingTimeMinutes
            publishedAt
            section { name }
          }
        }
      }
    }
  }
}
`;

const SECTION_FRONT_QUERY = `# A section front: the section's newest articles, with a cursor for the next page.
query SectionFront($slug: String! = "startups", $after: String) {
  section(slug: $slug) {
    name
    articleCount
    articles(first: 10, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { title summary publishedAt readingTimeMinutes url } }
    }
  }
}
`;

const SEARCH_QUERY = `# Search: every term must start a word of the title, summary, body or tags.
query Search($query: String! = "battery") {
  articles(query: $query, first: 10) {
    totalCount
    edges { node { title summary section { name } publishedAt } }
  }
}
`;

const LANGUAGES_QUERY = `# Any language: words are found in every script (Japanese and Chinese need no
# spaces), case and accents fold ("recolte" finds "récolte"), and each
# language's word forms meet ("vendange" finds "Vendanges"). Reading time counts
# Chinese, Japanese and Korean by characters. Try "recolte" with language "fr".
query AnyLanguage($query: String! = "半導体", $language: String) {
  articles(query: $query, language: $language, first: 5) {
    totalCount
    edges { snippet node { title language readingTimeMinutes section { name } } }
  }
}
`;

const SOURCE_HEALTH_QUERY = `# Source health: a failing source never fails a query; its status says why.
query SourceHealth {
  sources {
    name
    url
    status { ok errorCode lastError lastFetchedAt itemCount format durationMs }
  }
}
`;

export const LIVE_QUERY = `# Live: each new article once, as sources publish it (Server-Sent Events).
# Run it and leave the tab open; stories appear as the next refresh finds them.
subscription NewInSection($section: String = "technology") {
  articleAdded(section: $section) {
    title
    summary
    url
    publishedAt
    section { name }
    sources { name }
  }
}
`;

export const EXAMPLE_TABS = [ARTICLE_PAGE_QUERY, SECTION_FRONT_QUERY, SEARCH_QUERY, LANGUAGES_QUERY, SOURCE_HEALTH_QUERY, LIVE_QUERY].map(
  (query) => ({
    query,
  }),
);

import { renderGraphiQL } from "@graphql-yoga/render-graphiql";

type GraphiQLOptions = Parameters<typeof renderGraphiQL>[0];

/** Pages kept: one per distinct set of options (an app has one). */
const MAX_PAGES = 4;

/**
 * GraphiQL's page, rendered once per set of options. The page embeds the
 * whole GraphiQL bundle (about 9 MB, so it works offline); rendering it took
 * 6 to 13 ms of the event loop on every load.
 */
export function createGraphiqlRenderer(): (options: GraphiQLOptions) => string {
  const pages = new Map<string, string>();
  return (options) => {
    const key = JSON.stringify(options ?? null);
    let page = pages.get(key);
    if (page === undefined) {
      page = renderGraphiQL(options);
      if (pages.size >= MAX_PAGES) pages.delete(pages.keys().next().value!);
      pages.set(key, page);
    }
    return page;
  };
}

import { fullTextCounts, type FullTextError, type FullTextState } from "../../model/source-snapshot.ts";
import { builder } from "../builder.ts";
import { DateTime } from "./date-time.ts";
import { SourceStatus } from "./source.ts";
import { SourceErrorCode } from "./source-enums.ts";

/** A source's full-text record, with how many articles it serves (the snapshot's, not the catalog's). */
interface FullTextView {
  state: FullTextState;
  articles: number;
}

const FullTextPageError = builder.objectRef<FullTextError>("FullTextPageError").implement({
  description: "An item's page that gave no article: the item is served with its feed's content.",
  fields: (t) => ({
    code: t.field({ type: SourceErrorCode, description: "Why: a read's code, or NOT_HTML, NOT_EXTRACTABLE.", resolve: (e) => e.code }),
    url: t.exposeString("url", { description: "The page, without user info, query or fragment (a query shows as `?…`)." }),
    message: t.exposeString("message", { description: "What went wrong, in words." }),
  }),
});

const FullTextStatus = builder.objectRef<FullTextView>("FullTextStatus").implement({
  description:
    "How reading the items' pages goes for a source with `fullText`: an item whose page gives an article is served with it as its content; any other keeps its feed's content.",
  fields: (t) => ({
    extractedArticles: t.int({
      description: "Articles of the source served with their page's article.",
      resolve: (view) => Object.keys(view.state.extracted).length,
    }),
    failedArticles: t.int({
      description: "Articles whose page gave no article (served with the feed's content; tried again when the item changes).",
      resolve: (view) => view.state.failed.length,
    }),
    pendingArticles: t.int({
      description:
        "Articles whose page has not been tried yet (past a read's page limit or deadline), or failed for a reason that passes (a timeout, the network, an error status) fewer than 3 times: tried on the next reads.",
      resolve: (view) => {
        const { untried, retrying } = fullTextCounts(view.articles, view.state);
        return untried + retrying;
      },
    }),
    lastReadAt: t.field({
      type: DateTime,
      nullable: true,
      description: "When pages were last tried; null before any was.",
      resolve: (view) => view.state.lastRead?.at ?? null,
    }),
    pagesRead: t.int({
      description: "Pages asked of their servers on the last read that tried pages (a page fresh in the cache is not asked).",
      resolve: (view) => view.state.lastRead?.pagesRead ?? 0,
    }),
    extracted: t.int({
      description: "Items given their page's article on the last read that tried pages.",
      resolve: (view) => view.state.lastRead?.extracted ?? 0,
    }),
    failed: t.int({
      description: "Items whose page gave no article on the last read that tried pages.",
      resolve: (view) => view.state.lastRead?.failed ?? 0,
    }),
    lastError: t.field({
      type: FullTextPageError,
      nullable: true,
      description: "The last page that gave no article on the last read that tried pages; null when every one did.",
      resolve: (view) => view.state.lastError,
    }),
  }),
});

builder.objectField(SourceStatus, "fullText", (t) =>
  t.field({
    type: FullTextStatus,
    nullable: true,
    description:
      "Full text (the source's `fullText` setting): how reading its items' pages goes; null when the setting is off or no read has run yet.",
    resolve: (view) =>
      view.config.fullText && view.snapshot?.fullText ? { state: view.snapshot.fullText, articles: view.snapshot.articles.length } : null,
  }),
);

import type { SourceView } from "../context.ts";
import { redactUrl } from "../../config/redact-url.ts";
import { builder } from "../builder.ts";
import { Source } from "../refs.ts";
import { DateTime } from "./date-time.ts";
import { SourceErrorCode, SourceFormat } from "./source-enums.ts";

export const SourceStatus = builder.objectRef<SourceView>("SourceStatus");

builder.node(Source, {
  description: "A feed or API Newsgate reads.",
  id: { resolve: (view) => view.config.id },
  loadMany: (ids, context) => ids.map((id) => context.loaders.source.load(id)),
  fields: (t) => ({
    sourceId: t.string({ description: "The source's id in the sources file.", resolve: (view) => view.config.id }),
    name: t.string({ description: "Display name.", resolve: (view) => view.config.name }),
    url: t.string({
      description:
        "Where the source is read from (an http(s) URL or a bundled file), without user info, query or fragment: those may carry keys, so a query shows as `?…`.",
      resolve: (view) => redactUrl(view.config.url),
    }),
    status: t.field({ type: SourceStatus, description: "How the last read went.", resolve: (view) => view }),
  }),
});

SourceStatus.implement({
  description: "Health of a source. A failing source never fails a query: its last good articles are still served.",
  fields: (t) => ({
    ok: t.boolean({ description: "Whether the last read succeeded.", resolve: (view) => view.snapshot?.ok ?? false }),
    lastFetchedAt: t.field({
      type: DateTime,
      nullable: true,
      description: "When the source was last tried.",
      resolve: (view) => view.snapshot?.lastFetchedAt ?? null,
    }),
    lastSuccessAt: t.field({
      type: DateTime,
      nullable: true,
      description: "When the source was last read successfully.",
      resolve: (view) => view.snapshot?.lastSuccessAt ?? null,
    }),
    lastError: t.string({
      nullable: true,
      description: "What went wrong on the last try, in words; null when it succeeded.",
      resolve: (view) => view.snapshot?.error?.message ?? null,
    }),
    errorCode: t.field({
      type: SourceErrorCode,
      nullable: true,
      description: "Stable code of the last error; null when the last read succeeded.",
      resolve: (view) => view.snapshot?.error?.code ?? null,
    }),
    warning: t.string({
      nullable: true,
      description: "What the last good read had to work around, e.g. malformed XML read leniently; null when nothing.",
      resolve: (view) => (view.snapshot?.ok ? view.snapshot.warning : null),
    }),
    format: t.field({
      type: SourceFormat,
      nullable: true,
      description: "The format detected on the last good read.",
      resolve: (view) => view.snapshot?.format ?? null,
    }),
    itemCount: t.int({
      description:
        "Stories of this source in the catalog the query reads: what `articles(source:)` counts. Each item the source lists is one story, " +
        "shared with other sources when they carry the same one, never merged with another item of the same source; " +
        "items with nothing to show (no title, text or link) and exact repeats of an item in the feed are not counted.",
      resolve: async (view, _args, context) => (await context.catalog()).storiesPerSource.get(view.config.id) ?? 0,
    }),
    durationMs: t.int({
      nullable: true,
      description: "How long the last try took, in milliseconds.",
      resolve: (view) => (view.snapshot ? Math.round(view.snapshot.durationMs) : null),
    }),
  }),
});

builder.queryFields((t) => ({
  sources: t.field({
    type: [Source],
    description: "Every configured source with its health, in the sources file's order.",
    resolve: async (_root, _args, context) => {
      const catalog = await context.catalog();
      const views = await context.loaders.source.loadMany(catalog.sources.map((s) => s.id));
      return views.filter((v): v is SourceView => v !== null && !(v instanceof Error));
    },
  }),
}));

import DataLoader from "dataloader";
import type { SectionConfig, SourceConfig } from "../config/sources-file.ts";

import type { Catalog, TagCount } from "../store/catalog/catalog.ts";
import type { CatalogArticle } from "../store/catalog/catalog-article.ts";
import type { RelatedMatch } from "../store/related/related-index.ts";
import type { Store } from "../store/store.ts";
import type { ArticleEvents } from "../live/article-events.ts";
import type { SourceSnapshot } from "../model/source-snapshot.ts";
import type { PushStatus } from "../model/push-status.ts";

export interface SourceView {
  config: SourceConfig;
  snapshot: SourceSnapshot | undefined;
  /** WebSub push state (src/push). @default off */
  push?: PushStatus;
}

export interface Loaders {
  article: DataLoader<string, CatalogArticle | null>;
  articleByUrl: DataLoader<string, CatalogArticle | null>;
  section: DataLoader<string, SectionConfig | null>;
  source: DataLoader<string, SourceView | null>;
  related: DataLoader<{ id: string; first: number }, readonly RelatedMatch[], string>;
  /** Tags by lower-case name. */
  tag: DataLoader<string, TagCount | null>;
}

export interface GraphQLContext {
  /** The catalog this request reads: fetched once, so every field sees one version. */
  catalog: () => Promise<Catalog>;
  loaders: Loaders;
  /** New articles as they arrive (subscriptions): the app's one source of them, in process or across instances through Redis. */
  articleEvents: ArticleEvents;
  /**
   * Moves a long-lived context (a subscription's) to a newer catalog: fields
   * read after this see it, and the loaders forget what they cached.
   */
  advanceTo: (catalog: Catalog) => void;
}

/**
 * Loaders are made per request (never shared: they cache), each on first use:
 * most requests read one or two kinds, and a cache miss pays for every loader
 * it makes. Each batch reads the request's one catalog, so a query touches the
 * store once however many fields ask.
 */
class RequestLoaders implements Loaders {
  #article?: Loaders["article"];
  #articleByUrl?: Loaders["articleByUrl"];
  #section?: Loaders["section"];
  #source?: Loaders["source"];
  #related?: Loaders["related"];
  #tag?: Loaders["tag"];

  constructor(
    private readonly store: Store,
    private readonly catalog: () => Promise<Catalog>,
  ) {}

  get article() {
    return (this.#article ??= this.fromCatalog((c, id: string) => c.byId.get(id) ?? null));
  }
  get articleByUrl() {
    return (this.#articleByUrl ??= this.fromCatalog((c, url: string) => c.byCanonicalUrl.get(url) ?? null));
  }
  get section() {
    return (this.#section ??= this.fromCatalog((c, slug: string) => c.sections.find((s) => s.slug === slug) ?? null));
  }
  get source() {
    return (this.#source ??= this.fromCatalog((c, id: string) => {
      const config = c.sources.find((s) => s.id === id);
      return config ? { config, snapshot: this.store.snapshot(id), push: this.store.pushStatus(id) } : null;
    }));
  }
  get tag() {
    return (this.#tag ??= this.fromCatalog((c, name: string) => c.tagByName.get(name) ?? null));
  }
  // The related index is built in the background after each catalog: the catalog answers without holding the event loop.
  get related() {
    return (this.#related ??= new DataLoader<{ id: string; first: number }, readonly RelatedMatch[], string>(
      async (keys) => (await this.catalog()).relatedTo(keys),
      { cacheKeyFn: relatedKey },
    ));
  }

  /** Forgets what every loader made so far has cached. */
  clearAll(): void {
    for (const loader of [this.#article, this.#articleByUrl, this.#section, this.#source, this.#related, this.#tag]) loader?.clearAll();
  }

  private fromCatalog<K, V>(pick: (catalog: Catalog, key: K) => V): DataLoader<K, V, string> {
    return new DataLoader<K, V, string>(async (keys) => {
      const current = await this.catalog();
      return keys.map((key) => pick(current, key));
    });
  }
}

function relatedKey(key: { id: string; first: number }): string {
  return `${key.id}:${key.first}`;
}

/**
 * One request's context. `articleEvents` is the app's, handed down from the
 * wiring: every subscription of one app shares it, so each new story is
 * claimed once however many clients listen.
 */
export function createContext(store: Store, articleEvents: ArticleEvents, onCatalog?: (catalog: Catalog) => void): GraphQLContext {
  let pending: Promise<Catalog> | null = null;
  const loaders = new RequestLoaders(store, () => context.catalog());
  // Methods rather than named arrow functions: under tsx (esbuild's keepNames) each named closure
  // made per request is renamed with a property definition, a cost every request would pay.
  const context: GraphQLContext = {
    catalog() {
      // `onCatalog` tells a response cache which catalog version an answer was built from.
      pending ??= onCatalog
        ? store.catalog().then((c) => {
            onCatalog(c);
            return c;
          })
        : store.catalog();
      return pending;
    },
    loaders,
    articleEvents,
    advanceTo(next) {
      pending = Promise.resolve(next);
      loaders.clearAll();
    },
  };
  return context;
}

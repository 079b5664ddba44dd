/**
 * What article events and the Redis channel share: the message that travels
 * between instances, and how long a story stays claimed. Both sides import
 * this module; neither imports the other for it.
 */

/** How long a story stays "seen": one that leaves its feed and comes back within this time is not announced again. */
export const DEFAULT_SEEN_TTL_MS = 24 * 3600 * 1000;
/** Stories remembered by one instance (the in-process claim, and the fallback while Redis is down). */
export const DEFAULT_SEEN_MAX = 50_000;

/** What travels on the channel: enough to find the story in any instance's own catalog. */
export interface ArticleAddedMessage {
  id: string;
  canonicalUrls: string[];
}

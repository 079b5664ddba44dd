import { watch } from "node:fs";
import path from "node:path";

/** Editors write a file in several steps (truncate, write, rename): one reload after the last of them. */
export const WATCH_DEBOUNCE_MS = 300;

/**
 * Calls `onChange` once a burst of changes to `file` has settled. The folder
 * is watched, not the file: editors that save by writing a new file and
 * renaming it over the old one would leave a watch on the file itself blind.
 */
export function watchFile(
  file: string,
  onChange: () => void,
  { debounceMs = WATCH_DEBOUNCE_MS }: { debounceMs?: number } = {},
): { close: () => void } {
  const name = path.basename(file);
  let timer: NodeJS.Timeout | null = null;
  const watcher = watch(path.dirname(file), { persistent: false }, (_event, changed) => {
    // Some platforms do not say which file changed: treat that as ours.
    if (changed && changed.toString() !== name) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      onChange();
    }, debounceMs);
  });
  // A vanished folder ends the watch; the running configuration stays, as with an invalid file.
  watcher.on("error", () => watcher.close());
  return {
    close: () => {
      if (timer) clearTimeout(timer);
      watcher.close();
    },
  };
}

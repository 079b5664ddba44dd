import { ConfigError, loadSourcesFile, type SourcesConfig } from "../config/sources-file.ts";
import type { ReloadPlan } from "../store/reload/reload-plan.ts";
import type { Logger } from "../log/logger.ts";

export interface ReloadSourcesDeps {
  file: string;
  /** The gateway's reload. */
  reload: (config: SourcesConfig) => Promise<ReloadPlan>;
  logger: Logger;
}

/**
 * Reads the sources file again and switches to it, logging what changed. An
 * invalid file is refused with a log line that says why (the same message
 * start-up would give), and the configuration in force stays. Never rejects:
 * a reload is asked for by a signal or a file watch, with no one to catch.
 */
export async function reloadSourcesFile({ file, reload, logger }: ReloadSourcesDeps, trigger: string): Promise<ReloadPlan | null> {
  try {
    const config = await loadSourcesFile(file);
    const plan = await reload(config);
    const { added, removed, changed, unchanged, sectionsChanged } = plan;
    logger.info(
      { trigger, file: config.file, added, removed, changed, unchanged: unchanged.length, sectionsChanged },
      `sources file reloaded (${trigger}): ${added.length} added, ${removed.length} removed, ${changed.length} changed, ${unchanged.length} unchanged`,
    );
    return plan;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof ConfigError) {
      logger.error(
        { trigger, file, reason },
        `sources file reload refused (${trigger}): ${reason}; the previous configuration stays in force`,
      );
    } else {
      logger.error({ trigger, file, err: error }, `sources file reload failed (${trigger}): ${reason}`);
    }
    return null;
  }
}

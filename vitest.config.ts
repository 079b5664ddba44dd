import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (`main`) and ESM (`module`) builds. Node loads the CJS one for
    // Pothos and Yoga; Vite would hand our sources the ESM one, and two graphql realms
    // break `instanceof GraphQLError` (client errors would be masked). One copy for all.
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }],
  },
  test: {
    include: ["tests/**/*.test.ts"],
    // Installs or starts what the suite needs of the machine (Chromium, python3-feedparser, Redis), saying so.
    globalSetup: ["tests/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: "forks",
  },
});

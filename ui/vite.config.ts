/// <reference types="vitest/config" />
import { writeFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

const uiRoot = fileURLToPath(new URL(".", import.meta.url));

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/**
 * Writes every module the production bundle contains to ui/dist-modules.json (next to dist/, never
 * inside it, so the app does not ship it). scripts/check-supply-chain reads it to prove that the
 * bundle holds only our own sources and the lockfile's runtime packages.
 */
function bundleModuleList(): Plugin {
  return {
    name: "polyagent-bundle-module-list",
    apply: "build",
    generateBundle(_options, bundle) {
      const ids = new Set<string>();
      for (const output of Object.values(bundle)) {
        if (output.type === "chunk") {
          for (const id of output.moduleIds) {
            ids.add(id.startsWith(repoRoot) ? relative(repoRoot, id) : id);
          }
        }
      }
      const list = [...ids].sort();
      writeFileSync(new URL("./dist-modules.json", import.meta.url), `${JSON.stringify(list, null, 1)}\n`);
    },
  };
}

// The UI lives in ui/ while package.json sits at the repository root (the design card's layout).
export default defineConfig({
  root: uiRoot,
  plugins: [react(), tailwindcss(), bundleModuleList()],
  clearScreen: false,
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  server: { host: "127.0.0.1", port: 1420, strictPort: true },
  build: { outDir: "dist", emptyOutDir: true, target: "safari16", chunkSizeWarningLimit: 1024 },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    // Matches the 5 s waits of src/test/setup.ts on a busy machine.
    testTimeout: 20_000,
  },
});

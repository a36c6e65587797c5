import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["ui/dist", "ui/dist-*", "ui/src/bindings.ts", "node_modules", "target"] },
  {
    files: ["ui/**/*.{ts,tsx}"],
    extends: [js.configs.recommended, ...tseslint.configs.strictTypeChecked],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { project: "./ui/tsconfig.json", tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      // Commands come from ui/src/lib/commands.ts, which guarantees every refusal is {code, message}.
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@/bindings",
              importNames: ["commands"],
              message: "Import commands from @/lib/commands: its refusals are always {code, message}.",
            },
          ],
        },
      ],
    },
  },
  {
    // The one place the generated commands are wrapped.
    files: ["ui/src/lib/commands.ts"],
    rules: { "no-restricted-imports": "off" },
  },
  {
    // WebDriver tests run in Node; the callbacks they pass to `browser.execute` run in the page.
    files: ["tests/**/*.mjs", "scripts/**/*.mjs"],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests share global kernel names (/run/netns, /etc/netns): one file at a time.
    fileParallelism: false,
    // A file that leaves namespaces or state behind fails itself (test/leaks.ts).
    setupFiles: ["test/leaks.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

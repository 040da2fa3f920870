// One embeddable script: dist/widget.js (IIFE, CSS inlined into the widget's shadow root).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [react()],
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    cssCodeSplit: false,
    sourcemap: false,
    lib: {
      entry: "src/main.jsx",
      name: "GzAfterlifeWidget",
      formats: ["iife"],
      fileName: () => "widget.js",
    },
  },
  test: { environment: "node", include: ["test/**/*.test.js"] },
});

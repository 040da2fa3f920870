import { defineConfig } from "vite";

// One module with a fixed name (no index.html): the API's page /workbench/supervisor loads
// /static/dashboard/dashboard.js. Everything, ECharts included, is bundled; nothing from a CDN.
export default defineConfig({
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      input: "src/main.js",
      output: { entryFileNames: "dashboard.js", chunkFileNames: "[name].js", assetFileNames: "[name][extname]" },
    },
  },
  test: { environment: "node" },
});

import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * The web app's build: static files in dist/ that run against any deployment (the page reads `config.json` next to
 * it). Each role's pages are chunks of their own, loaded when the role is chosen, so the first load stays small.
 */
export default defineConfig({
  plugins: [react()],
  base: "./",
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 600,
  },
  server: { port: 5173, strictPort: false },
});

// Builds the staff console (/) and the member H5 (/h5/) as one multi-page app into web/dist, which the API server
// serves statically with an SPA fallback per page.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Resolved from this file rather than the working directory so the config also works when run from elsewhere.
const root = fileURLToPath(new URL('.', import.meta.url));
const apiServer = 'http://localhost:3000';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  server: {
    proxy: { '/api': apiServer, '/health': apiServer },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // antd alone is ~1 MB minified; it is split into its own cacheable chunk instead of warned about.
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      input: {
        console: `${root}index.html`,
        h5: `${root}h5/index.html`,
      },
      output: {
        // Vendor chunks change less often than app code, so they stay cached across deploys. Only react and i18n
        // are shared with the H5; antd and echarts must never end up in a chunk the H5 entry imports.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 40 },
            { name: 'i18next', test: /node_modules[\\/](i18next|react-i18next)[\\/]/, priority: 30 },
            { name: 'echarts', test: /node_modules[\\/](echarts|zrender|echarts-for-react)[\\/]/, priority: 20 },
            { name: 'antd', test: /node_modules[\\/](antd|@ant-design|@rc-component|rc-[^\\/]+)[\\/]/, priority: 10 },
          ],
        },
      },
    },
  },
});

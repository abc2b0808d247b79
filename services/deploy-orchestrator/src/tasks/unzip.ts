// fflate's unzip, which only a template inside an artifact zip needs: the bundle's lazy chunk
// `prepare-template.unzip.js` (config/esbuild-plugins.cjs), required on first use. Built into the bundle, fflate's
// decoding tables (a 32768-step loop among others) were built at every cold start, inside the bundle's one large
// top-level function, where V8 makes such a loop cost several times what it costs in a module of its own.
export { unzipSync } from 'fflate';

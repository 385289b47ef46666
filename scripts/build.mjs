// Bundles the CLI into dist/ with esbuild: one ESM entry plus lazily loaded chunks, so a
// command loads only what it uses (the certificate library and cloud clients come on demand).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry content hashes: clear the old ones so dist/ holds exactly one build.
rmSync('dist/chunks', { recursive: true, force: true });

await build({
  entryPoints: { hubcerts: 'bin/hubcerts.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // Prefer ES module builds: they tree-shake, and their namespaces import cleanly.
  mainFields: ['module', 'main'],
  target: 'node20',
  minify: true,
  // Error classes report their name; minified names would say 'a' instead of UsageError.
  keepNames: true,
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  // Some dependencies are CommonJS and call require(); ESM output needs it defined.
  banner: {
    js:
      "import { createRequire as __hubcertsCreateRequire } from 'node:module'; " +
      'const require = __hubcertsCreateRequire(import.meta.url);',
  },
  logLevel: 'warning',
});

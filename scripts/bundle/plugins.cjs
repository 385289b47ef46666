// esbuild plugins for the Lambda bundles, loaded by serverless-esbuild (`custom.esbuild.plugins`
// in serverless.yml). They keep each function's bundle to the code it can reach:
//
// - @kubernetes/client-node: its index re-exports the whole library (watch, exec, attach,
//   port-forward, cp with tar, metrics, informers, ~900 models), and esbuild keeps every module
//   it reaches unless told it has no side effects. Its modules are marked so, except
//   polyfill.js (the one with a side effect), and only what hubcerts uses stays.
// - node:http, where an ES module imports it (statically or not), comes through require()
//   (node-http.cjs).
// - Features the functions never use are replaced by stand-ins that throw a clear error when
//   used (stubs/): the oidc, azure and gcp auth providers of a kubeconfig, SOCKS proxies,
//   and the transports hubcerts replaces with its own over node:https: undici under
//   client-node (lib/cluster/k8s-client.ts) and axios under node-vault
//   (lib/store/vault-transport.ts). Each drops a dependency tree (openid-client,
//   jsonpath-plus, socks, undici's 360 kB, axios with follow-redirects and form-data). axios
//   also read the global fetch and FormData as it loaded, which made Node load its own fetch
//   implementation, ~10 ms more of every cold start.
// - `debug`, the tracing of node-vault and the proxy agents, is a no-op: the functions log
//   JSON lines of their own.
// - Every function's code-split chunks go to a folder named after it, `<function>.chunks/`,
//   which serverless-esbuild leaves out of the other functions' zips (it drops files that look
//   derived from another function's bundle), and the metafile is written to .serverless/meta/
//   for the cold-start bench and esbuild's analyzeMetafile (README, "Bundles and cold start").
const { mkdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const STUBS = {
  'openid-client': 'openid-client.mjs',
  'jsonpath-plus': 'jsonpath-plus.mjs',
  'socks-proxy-agent': 'socks.mjs',
  socks: 'socks.mjs',
  undici: 'undici.mjs',
  axios: 'axios.cjs',
  debug: 'debug.cjs',
};
const STUB_FILTER = new RegExp(`^(${Object.keys(STUBS).join('|')})$`);

/** Where @kubernetes/client-node's modules live; each imports the others by relative path. */
const CLIENT_NODE_DIST = /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]/;

const leanDependencies = {
  name: 'hubcerts-lean-dependencies',
  setup(build) {
    build.onResolve({ filter: /^(node:)?http$/ }, (args) =>
      args.kind === 'require-call' ? undefined : { path: path.join(__dirname, 'node-http.cjs') },
    );
    build.onResolve({ filter: STUB_FILTER }, (args) => ({
      path: path.join(__dirname, 'stubs', STUBS[args.path]),
    }));
    // Beside polyfill.js, the library's modules only declare classes and functions (and set
    // static fields on them), so a module none of whose exports is used can go. The relative
    // imports inside the library name their .js files exactly: no lookup is needed.
    build.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      if (!CLIENT_NODE_DIST.test(args.importer) || args.path.endsWith('/polyfill.js')) return;
      return { path: path.resolve(args.resolveDir, args.path), sideEffects: false };
    });
    build.onResolve({ filter: /^@kubernetes\/client-node$/ }, async (args) => {
      if (args.pluginData === 'resolved') return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolved',
      });
      return resolved.errors.length > 0 ? undefined : { path: resolved.path, sideEffects: false };
    });
  },
};

const chunksPerFunction = {
  name: 'hubcerts-chunks-per-function',
  setup(build) {
    const options = build.initialOptions;
    const entries = Array.isArray(options.entryPoints) ? options.entryPoints : [];
    if (entries.length !== 1 || typeof entries[0] !== 'string') return;
    const name = path.basename(entries[0]).replace(/\.[^.]+$/, '');
    options.chunkNames = `${name}.chunks/[name]-[hash]`;
    options.metafile = true;
    build.onEnd((result) => {
      if (!result.metafile) return;
      const folder = path.join(ROOT, '.serverless', 'meta');
      mkdirSync(folder, { recursive: true });
      writeFileSync(path.join(folder, `${name}.json`), JSON.stringify(result.metafile));
    });
  },
};

module.exports = [leanDependencies, chunksPerFunction];

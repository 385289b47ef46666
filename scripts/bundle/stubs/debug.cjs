// The `debug` package, through which node-vault and the proxy agents trace their requests
// when DEBUG names them. The functions log JSON lines of their own; these traces are left out.
'use strict';

function createDebug() {
  const trace = () => {};
  trace.enabled = false;
  trace.extend = createDebug;
  return trace;
}

createDebug.enable = () => {};
createDebug.disable = () => '';
createDebug.enabled = () => false;

module.exports = createDebug;

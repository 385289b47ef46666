// What @kubernetes/client-node takes from undici: fetch, and the Agent and ProxyAgent it
// passes as fetch's dispatcher for the cluster's TLS settings and proxy. undici's own index
// loads every dispatcher, the mock agents, the cache stores, WebSocket and EventSource as
// well, about 190 KB more in every bundle that reaches the cluster.
'use strict';

const Dispatcher = require('undici/lib/dispatcher/dispatcher.js');

// ProxyAgent opens its tunnel with Dispatcher#connect, which undici's index adds.
Dispatcher.prototype.connect = require('undici/lib/api/api-connect.js');

module.exports = {
  Agent: require('undici/lib/dispatcher/agent.js'),
  ProxyAgent: require('undici/lib/dispatcher/proxy-agent.js'),
  fetch: require('undici/lib/web/fetch/index.js').fetch,
};

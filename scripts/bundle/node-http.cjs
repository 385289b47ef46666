// node:http for the ES modules in the bundles. Node 24's ES module wrapper of node:http reads
// every export when it is imported, and three of them (WebSocket, CloseEvent, MessageEvent)
// load Node's internal copy of undici: about 40 ms of every cold start. Through require() the
// exports stay lazy, and hubcerts never touches those three.
'use strict';

module.exports = require('node:http');

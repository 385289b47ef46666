// axios (under node-vault) only builds multipart bodies from FormData; Vault takes JSON.
'use strict';

const notBundled = require('./not-bundled.cjs');

module.exports = class FormData {
  constructor() {
    throw notBundled('A multipart request body');
  }
};

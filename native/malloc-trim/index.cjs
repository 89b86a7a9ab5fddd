// The built addon; trim.c says why it exists.
module.exports = require('./build/Release/malloc_trim.node');

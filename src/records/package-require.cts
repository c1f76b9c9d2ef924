// The require() of a CommonJS module in this package, for both builds. The optional packages
// (native CRC-32C, codecs) are CommonJS around a native addon; Node's ESM loader, given one through
// import(), keeps more memory than require() does (about 3 MB of RSS for this package's import).
export const packageRequire: NodeJS.Require = require;

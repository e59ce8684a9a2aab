// A dependency-free ES module: the `require` entry (cjs/require.cjs) tries to require() it to learn whether
// require(esm) works in the loader at hand, without ever mistaking an error raised by the package for that.
export const requireEsmWorks = true;

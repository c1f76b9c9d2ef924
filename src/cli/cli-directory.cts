// The directory of the compiled CLI modules, in both builds: a .cts file always compiles to
// CommonJS, where __dirname exists, whether the code around it is the ESM or the CommonJS copy.
export const cliDirectory: string = __dirname;

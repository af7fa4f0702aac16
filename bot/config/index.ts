// The settings' one entry point: '../config' imports resolve here; the parsing and the one read of process.env are in config.ts.
export * from './config';

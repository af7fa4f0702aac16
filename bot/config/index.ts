// The settings' one entry point: '../config' imports resolve here; the parsing, and the service's one read of the environment, are in config.ts.
export * from './config';

/** One measured figure: its value, its unit, and the target an issue names (if any). */
export interface Figure {
  value: number;
  unit: string;
  /** A human statement of the target, e.g. "< 15000"; `met` says whether this run met it. */
  target?: string;
  met?: boolean;
}

/** A benchmark: a name for `--only`, and a run that returns figures keyed by figure name. */
export interface Benchmark {
  name: string;
  description: string;
  run(): Promise<Record<string, Figure>>;
}

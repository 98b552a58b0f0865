/** delivery/modes — batching and per-key FIFO as D1 statements (the truth) and the batch window timer. */
export * from "./batch-window";
export * from "./batches";
export * from "./fifo";

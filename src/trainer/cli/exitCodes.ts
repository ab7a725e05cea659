/**
 * The exit codes of every `vaerec` command (docs/RELIABILITY.md, "Exit codes"): 0 done; 1 failed,
 * a run or a command that could not do its work (a damaged run, a full disk, a killed trainer);
 * 2 bad input, what the user gave (arguments, data files, options the data cannot meet, a question
 * the run cannot answer); 130 cancelled (Ctrl-C, SIGTERM, SIGHUP).
 */
export const EXIT = { ok: 0, failed: 1, badInput: 2, cancelled: 130 } as const;

/** A one-line progress bar on stderr, only when stderr is a terminal (never in pipes, CI or --json). */
export function progressBar(label: string, enabled = process.stderr.isTTY === true): { update(done: number, total: number): void; end(): void } {
  let shown = false;
  return {
    update(done, total) {
      if (!enabled || total < 2) return;
      const width = 30;
      const filled = Math.round((done / total) * width);
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
      shown = true;
    },
    end() {
      if (shown) process.stderr.write('\n');
    },
  };
}

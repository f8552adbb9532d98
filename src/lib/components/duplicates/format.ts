/** "812 B", "9.1 KB", "1.25 MB" (decimal units, as file managers show them). */
export function formatSize(sizeBytes: number): string {
  if (sizeBytes < 1000) return `${sizeBytes} B`;
  if (sizeBytes < 1e6) return `${(sizeBytes / 1e3).toFixed(1)} KB`;
  if (sizeBytes < 1e9) return `${(sizeBytes / 1e6).toFixed(2)} MB`;
  return `${(sizeBytes / 1e9).toFixed(2)} GB`;
}

/** Open live connections per user (WebSocket and SSE together), against one ceiling. */
export class ConnectionLimits {
  private readonly open = new Map<string, number>();

  constructor(private readonly maxPerUser: number) {}

  /** Counts a connection of `userId`; false (and nothing counted) when the user is at the limit. */
  acquire(userId: string): boolean {
    const count = this.open.get(userId) ?? 0;
    if (count >= this.maxPerUser) return false;
    this.open.set(userId, count + 1);
    return true;
  }

  release(userId: string): void {
    const count = (this.open.get(userId) ?? 0) - 1;
    if (count <= 0) this.open.delete(userId);
    else this.open.set(userId, count);
  }
}

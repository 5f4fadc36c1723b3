/** gunicorn's max_requests: restart after N requests, plus randint(0, jitter) so workers do not all restart together. */
export function maxRequestsFor(maxRequests: number, jitter: number, random: () => number = Math.random): number {
  if (maxRequests <= 0) return 0;
  return maxRequests + Math.floor(random() * (jitter + 1));
}

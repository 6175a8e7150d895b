/** A difference of IoUs in percentage points, with its unit: '+4.3 points'. */
export function pointsText(delta: number): string {
  const points = delta * 100;
  const text = `${points >= 0 ? '+' : '-'}${Math.abs(points).toFixed(1)}`;
  return `${text} ${text === '+1.0' || text === '-1.0' ? 'point' : 'points'}`;
}

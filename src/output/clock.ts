// When cached credentials or a sign-in run out, as `list`, `login` and `doctor` show it.

/** "14:05" today, "Nov 27 14:05" otherwise (local time: the README's "cached until …"). The first local-time
 *  conversion of a process loads the time-zone database (~3.6 ms, most of the floor), once. */
export function clock(d: Date, nowMs: number): string {
  const hm = `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  const now = new Date(nowMs);
  if (d.getDate() === now.getDate() && d.getMonth() === now.getMonth() && d.getFullYear() === now.getFullYear()) return hm;
  // A fixed table, not toLocaleString: that would load locale data for one word.
  return `${MONTHS[d.getMonth()]} ${d.getDate()} ${hm}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// Cursor movement for list.* actions (pure).
export function moveCursor(action: string, cursor: number, count: number, page: number): number | null {
  if (count <= 0) return 0;
  const p = Math.max(1, page);
  let c: number;
  switch (action) {
    case 'list.up':
      c = cursor - 1;
      break;
    case 'list.down':
      c = cursor + 1;
      break;
    case 'list.top':
      c = 0;
      break;
    case 'list.bottom':
      c = count - 1;
      break;
    case 'list.pageUp':
      c = cursor - p;
      break;
    case 'list.pageDown':
      c = cursor + p;
      break;
    default:
      return null;
  }
  return Math.max(0, Math.min(count - 1, c));
}

export const LIST_MOVES = ['list.up', 'list.down', 'list.top', 'list.bottom', 'list.pageUp', 'list.pageDown'] as const;

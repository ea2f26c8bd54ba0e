// Adding a screen is one entry of the screen table (plus its component): a screen defined here, and
// nowhere else, opens from an environment key, shows its title, takes the list keys (cursor, filter)
// through the shared list hook, has its keys in help, and Esc goes back.
import { afterEach, describe, expect, it } from 'vitest';
import React from 'react';
import { Box, Text } from 'ink';
import { mount, KEY, type Harness } from './fake.js';
import { defineScreen, type ScreenProps } from '../../screens/registry.js';
import { useList } from '../../components/list.js';

const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

const WIDGETS = ['alpha', 'bravo', 'charlie', 'delta'];

function Widgets({ route, height }: ScreenProps): React.ReactElement {
  const list = useList({ route, items: WIDGETS, page: height - 1, haystack: (w) => w });
  return (
    <Box flexDirection="column">
      <Text>{`widgets of ${route.params.app}@${route.params.slug}`}</Text>
      {list.items.map((w, i) => (
        <Text key={w}>{`${i === list.cursor ? '>' : ' '} ${w}`}</Text>
      ))}
      <Text>{list.filterShown ? `filter: ${list.filter}` : 'no filter'}</Text>
    </Box>
  );
}

let h: Harness | null = null;
afterEach(() => {
  h?.unmount();
  h = null;
});

describe('the screen table', () => {
  it('a screen defined by one entry opens from its environment key, moves, filters, has help and goes back', async () => {
    defineScreen({ id: 'widgets', title: 'widgets', scopes: ['global', 'list', 'rows'], component: Widgets, opens: { 'env.metrics': true } });
    h = await mount();
    await h.waitFor((f) => f.includes('7 environments'));
    h.store.updateView({ cursor: 3 }); // shop@live
    await h.press('m');
    let f = strip(await h.waitFor((x) => strip(x).includes('widgets of shop@live')));
    expect(f.split('\n')[1]).toMatch(/shop.*live.*widgets/);
    expect(f).toContain('> alpha');
    await h.press('j', 'j');
    f = strip(await h.waitFor((x) => strip(x).includes('> charlie')));
    await h.press('/', 'e', 'l');
    f = strip(await h.waitFor((x) => strip(x).includes('filter: el')));
    expect(f).toContain('delta');
    expect(f).not.toContain('alpha');
    await h.press(KEY.enter, KEY.esc);
    f = strip(await h.waitFor((x) => strip(x).includes('no filter')));
    expect(f).toContain('alpha');
    await h.press('?');
    f = strip(await h.waitFor((x) => strip(x).includes('help (widgets)')));
    expect(f).toMatch(/Lists/);
    expect(f).toMatch(/move down/);
    await h.press(KEY.esc, KEY.esc);
    await h.waitFor((x) => strip(x).includes('7 environments'));
  });
});

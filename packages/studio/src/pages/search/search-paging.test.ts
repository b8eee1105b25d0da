import { describe, expect, it } from 'vitest';
import { back, forward, pagerOf } from './search-paging.js';

describe('search paging', () => {
  it('offers no Next while the next page loads, so one page is not counted twice', () => {
    // Page 1 settled, with a next page.
    expect(pagerOf([undefined], { nextToken: 't1', loading: false, failed: false })).toEqual({ visible: true, canGoBack: false, canGoForward: true });
    // Next pressed: page 2 loads while page 1 (still carrying t1) shows.
    expect(pagerOf([undefined, 't1'], { nextToken: 't1', loading: true, failed: false })).toEqual({ visible: true, canGoBack: false, canGoForward: false });
    // Page 2 arrived.
    expect(pagerOf([undefined, 't1'], { nextToken: 't2', loading: false, failed: false })).toEqual({ visible: true, canGoBack: true, canGoForward: true });
  });

  it('keeps Previous after a later page failed, and offers no Next from it', () => {
    expect(pagerOf([undefined, 't1'], { loading: false, failed: true })).toEqual({ visible: true, canGoBack: true, canGoForward: false });
    // The first page failing leaves nothing to page through.
    expect(pagerOf([undefined], { loading: false, failed: true }).visible).toBe(false);
  });

  it('follows a token once however often Next is pressed before the page changes', () => {
    const once = forward([undefined], 't1');
    expect(once).toEqual([undefined, 't1']);
    expect(forward(once, 't1')).toBe(once);
    expect(forward(once, undefined)).toBe(once);
    expect(forward(once, 't2')).toEqual([undefined, 't1', 't2']);
  });

  it('goes back a page, never before the first', () => {
    expect(back([undefined, 't1'])).toEqual([undefined]);
    const first = [undefined];
    expect(back(first)).toBe(first);
  });
});

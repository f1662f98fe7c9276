// The benchmark's PyTorch peer: without a python that imports torch it skips with the one-line hint.

import { describe, expect, it } from 'vitest';
import { PEER_HINT, peerSpeed } from '../../../src/bench/peer.js';

describe('PyTorch peer', () => {
  it('skips with the hint when no python imports torch', () => {
    expect(peerSpeed(process.cwd(), [1], ['/nonexistent/python3'])).toEqual({ skipped: PEER_HINT });
    expect(PEER_HINT).toContain('apt-get install python3-torch');
  });
});

import { describe, expect, it } from '@jest/globals';
import { softwareVersions } from './software-versions.js';

describe('softwareVersions', () => {
  it('is not mixed while every linked peer runs this node’s version, or none is linked', () => {
    expect(softwareVersions('0.3.0', [])).toEqual({ software: ['0.3.0'], mixed: false });
    expect(softwareVersions('0.3.0', ['0.3.0', '0.3.0'])).toEqual({ software: ['0.3.0'], mixed: false });
  });

  it('lists each version once, sorted, and is mixed as soon as one differs', () => {
    expect(softwareVersions('0.3.0', ['0.3.0', '0.2.9', '0.3.1', '0.2.9'])).toEqual({
      software: ['0.2.9', '0.3.0', '0.3.1'],
      mixed: true,
    });
  });
});

import fc from 'fast-check';
import { addressKey } from '../../../src/auth/address-key';

describe('the client an address counts as', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::ffff:cb00:7107', '203.0.113.7'],
    ['2001:db8:1:1::1', '2001:db8:1:1::/64'],
    ['2001:db8:1:1:ffff:ffff:ffff:ffff', '2001:db8:1:1::/64'],
    ['2001:0DB8:0001:0001::6', '2001:db8:1:1::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['not an address', 'not an address'],
  ])('%s counts as %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });

  it('gives every address of one /64 the same key, and neighbouring /64s different ones', () => {
    const group = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), fc.array(group, { minLength: 4, maxLength: 4 }), (address, host) => {
        const same = [...address.slice(0, 4), ...host].join(':');
        expect(addressKey(address.join(':'))).toBe(addressKey(same));
        const other = [...address.slice(0, 3), ((parseInt(address[3]!, 16) + 1) % 0x10000).toString(16), ...host].join(':');
        expect(addressKey(other)).not.toBe(addressKey(same));
      }),
    );
  });
});

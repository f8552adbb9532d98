import { describe, expect, it } from 'vitest';
import { safeZipName, uniqueZipNames } from '../../../src/lib/core/zip-names';

describe('zip entry names', () => {
  it('numbers copies the way file managers do, ignoring letter case', () => {
    expect(uniqueZipNames(['IMG_1.jpg', 'IMG_1.jpg', 'img_1.JPG', 'IMG_2.jpg', 'IMG_1.jpg'])).toEqual(['IMG_1.jpg', 'IMG_1 (2).jpg', 'img_1 (3).JPG', 'IMG_2.jpg', 'IMG_1 (4).jpg']);
  });

  it('does not collide with a name that already looks numbered', () => {
    expect(uniqueZipNames(['a.jpg', 'a (2).jpg', 'a.jpg'])).toEqual(['a.jpg', 'a (2).jpg', 'a (3).jpg']);
    expect(uniqueZipNames(['README', 'README', '.hidden', '.hidden'])).toEqual(['README', 'README (2)', 'hidden', 'hidden (2)']);
  });

  it('never lets a name leave the folder it is unpacked into, or hide control characters', () => {
    expect(safeZipName('../../etc/passwd')).toBe('_.._etc_passwd');
    expect(safeZipName('C:\\Windows\\evil.exe')).toBe('C:_Windows_evil.exe');
    expect(safeZipName('bell\u0007.jpg')).toBe('bell_.jpg');
    expect(safeZipName('   ')).toBe('item');
    expect(safeZipName('...')).toBe('item');
  });

  it('shortens a very long name but keeps its extension', () => {
    const name = safeZipName(`${'x'.repeat(300)}.jpeg`);
    expect(name).toHaveLength(120);
    expect(name.endsWith('.jpeg')).toBe(true);
  });
});

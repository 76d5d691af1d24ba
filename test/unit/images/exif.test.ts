import sharp from 'sharp';
import { readExif } from '../../../src/images/exif';

async function exifOf(tags: { IFD0?: Record<string, string>; IFD2?: Record<string, string> }): Promise<Buffer | undefined> {
  const image = await sharp({ create: { width: 4, height: 4, channels: 3, background: 'red' } }).jpeg().withExif(tags).toBuffer();
  return (await sharp(image).metadata()).exif;
}

describe('EXIF facts', () => {
  it('reads when the picture was taken and the camera, as one name', async () => {
    expect(readExif(await exifOf({ IFD0: { Make: 'Canon', Model: 'Canon EOS R5' }, IFD2: { DateTimeOriginal: '2020:05:04 12:34:56' } }))).toEqual({ takenAt: '2020-05-04T12:34:56', camera: 'Canon EOS R5' });
    expect(readExif(await exifOf({ IFD0: { Make: 'FUJIFILM', Model: 'X-T4' } }))).toEqual({ takenAt: null, camera: 'FUJIFILM X-T4' });
  });

  it("takes the date it was digitised when no other is given, never the file's own date", async () => {
    expect(readExif(await exifOf({ IFD0: { DateTime: '2024:01:01 00:00:00' } })).takenAt).toBeNull();
    expect(readExif(await exifOf({ IFD2: { DateTimeDigitized: '2019:02:03 04:05:06' } })).takenAt).toBe('2019-02-03T04:05:06');
  });

  it('says nothing of an unknown date, a broken block or none', async () => {
    expect(readExif(await exifOf({ IFD2: { DateTimeOriginal: '0000:00:00 00:00:00' } })).takenAt).toBeNull();
    expect(readExif(Buffer.from('Exif\0\0garbage'))).toEqual({ takenAt: null, camera: null });
    expect(readExif(undefined)).toEqual({ takenAt: null, camera: null });
  });
});

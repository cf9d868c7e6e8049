#!/usr/bin/env python3
"""Makes a Word ledger of about SIZE MiB (default 100) for timing the office cleaner on a
file near its cap: the fixture ledger (tests/fixtures/evidence/ledger.docx, with its author,
company, comments, tracked changes and revision ids), its body grown to some 40 000
paragraphs that each carry revision ids, and phone photos with a GPS position and the
camera's make in word/media/ making up the size.

    benches/support/big-docx.py /tmp/big/ledger.docx [SIZE_MIB]

Needs ffmpeg and exiftool (Debian packages) for the photo.
"""
import os
import subprocess
import sys
import tempfile
import zipfile

out = sys.argv[1]
size = int(sys.argv[2]) if len(sys.argv) > 2 else 100
here = os.path.dirname(os.path.abspath(__file__))
fixture = os.path.join(here, "..", "..", "tests", "fixtures", "evidence", "ledger.docx")

with tempfile.TemporaryDirectory() as tmp:
    photo_path = os.path.join(tmp, "photo.jpg")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "nullsrc=s=2000x1500,geq=random(1)*255:128:128",
         "-frames:v", "1", "-q:v", "2", photo_path], check=True)
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-GPSLatitude=29.5630", "-GPSLatitudeRef=N",
         "-GPSLongitude=106.5516", "-GPSLongitudeRef=E", "-Make=CANARY-MAKE", "-SerialNumber=SERIAL-4242",
         photo_path], check=True)
    photo = open(photo_path, "rb").read()

with zipfile.ZipFile(fixture) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
    for item in source.infolist():
        data = source.read(item.filename)
        if item.filename == "word/document.xml":
            paragraph = (b'<w:p w:rsidR="00A1B2C3" w:rsidRDefault="1A2B3C4D"><w:r w:rsidR="00A1B2C3">'
                         b'<w:t>Row %d: worker without a permit, shift B, site 3.</w:t></w:r></w:p>')
            body = b"".join(paragraph % n for n in range(40_000))
            data = data.replace(b"</w:body>", body + b"</w:body>", 1)
        target.writestr(item, data)
    n = 0
    while os.path.getsize(out) < size * 1024 * 1024:
        target.writestr(f"word/media/photo{n:04}.jpg", photo, compress_type=zipfile.ZIP_STORED)
        target.fp.flush()
        n += 1
print(f"{out}: {os.path.getsize(out) / 1048576:.1f} MiB, {n} photos of {len(photo) / 1024:.0f} KiB")

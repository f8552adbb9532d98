#!/bin/sh
# Regenerates the committed Live Photo and Motion Photo fixtures in test/fixtures/live/ (small
# files, kept in git: a fresh machine needs neither tool to run the tests). Needs ffmpeg (libx264)
# and exiftool (Debian: apt-get install ffmpeg libimage-exiftool-perl).
#
#   IMG_0101.JPG + IMG_0101.MOV   a Live Photo pair: a cyan still, 2 s of cyan with a white square moving
#   IMG_0102.MOV                  a lone 2 s pink clip: an ordinary video item
#   PXL_0103.MP.jpg               an Android Motion Photo: a brown still with a 2 s MP4 appended,
#                                 XMP GCamera:MotionPhoto=1 + Container:Directory giving the MP4's length
#
# The colours are concepts the fixture model knows (scripts/make-fixture-model.mjs): "cyan" and
# "brown" find the stills, which no other fixture is.
set -eu
cd "$(dirname "$0")/../test/fixtures/live"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CYAN=0x00bfcc
PINK=0xff66bf
BROWN=0x804d1f
still() { ffmpeg -v error -y -f lavfi -i "color=c=$1:s=320x240" -frames:v 1 -q:v 4 "$2"; }
clip() {
  ffmpeg -v error -y -f lavfi -i "color=c=$1:s=160x120:d=2:r=10" -f lavfi -i "color=c=white:s=32x32:d=2:r=10" \
    -filter_complex "[0][1]overlay=x='10+t*50':y=40:eval=frame" \
    -c:v libx264 -preset veryslow -crf 35 -pix_fmt yuv420p -map_metadata -1 -fflags +bitexact \
    -metadata creation_time=2021-06-05T10:00:00Z "$2"
}

still "$CYAN" IMG_0101.JPG
clip "$CYAN" IMG_0101.MOV
clip "$PINK" IMG_0102.MOV

still "$BROWN" "$tmp/still.jpg"
clip "$BROWN" "$tmp/motion.mp4"
video_bytes=$(wc -c < "$tmp/motion.mp4")
cat > "$tmp/motion.xmp" <<XMP
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:GCamera="http://ns.google.com/photos/1.0/camera/"
    xmlns:Container="http://ns.google.com/photos/1.0/container/"
    xmlns:Item="http://ns.google.com/photos/1.0/container/item/"
    GCamera:MotionPhoto="1" GCamera:MotionPhotoVersion="1" GCamera:MotionPhotoPresentationTimestampUs="0">
   <Container:Directory>
    <rdf:Seq>
     <rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg" Item:Semantic="Primary" Item:Length="0" Item:Padding="0"/></rdf:li>
     <rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4" Item:Semantic="MotionPhoto" Item:Length="$video_bytes" Item:Padding="0"/></rdf:li>
    </rdf:Seq>
   </Container:Directory>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
XMP
exiftool -q -overwrite_original "-xmp<=$tmp/motion.xmp" "$tmp/still.jpg"
cat "$tmp/still.jpg" "$tmp/motion.mp4" > PXL_0103.MP.jpg
ls -l

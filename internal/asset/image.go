package asset

import (
	"bufio"
	"bytes"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strconv"

	"github.com/banapos/bana/internal/platform/errs"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// The decoders of the IMAGE kind, by the type classify found: the content's, so a decoder never
// guesses. Dimensions come from the header alone (DecodeConfig); only a thumbnail decodes the
// pixels, after the pixel limit has been checked.
var (
	configs = map[string]func(io.Reader) (image.Config, error){
		"image/jpeg": jpeg.DecodeConfig, "image/png": png.DecodeConfig, "image/gif": gif.DecodeConfig, "image/webp": webp.DecodeConfig,
	}
	decoders = map[string]func(io.Reader) (image.Image, error){
		"image/jpeg": jpeg.Decode, "image/png": png.Decode, "image/gif": gif.Decode, "image/webp": webp.Decode,
	}
)

// dimensions reads an image's width and height from its header and checks them against the
// pixel limit.
func dimensions(r io.Reader, typ string, maxPixels int64, loc string) (w, h int, err error) {
	dec, ok := configs[typ]
	if !ok {
		return 0, 0, errs.Wrap(errs.Invalid, loc+" is "+typ+", which has no image decoder", ErrNotImage)
	}
	cfg, err := dec(bufio.NewReader(r))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		e := errs.Field(loc, "is not a readable "+typ+" image", typ)
		e.Err = ErrNotImage
		return 0, 0, e
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		e := errs.RuleField(loc, "has "+strconv.FormatInt(int64(cfg.Width)*int64(cfg.Height), 10)+" pixels; at most "+strconv.FormatInt(maxPixels, 10)+" are accepted", nil)
		e.Err = ErrTooManyPixels
		return 0, 0, e
	}
	return cfg.Width, cfg.Height, nil
}

// thumbnail decodes an image and scales it so that its longest side is at most size (never up),
// encoded as JPEG, or PNG when the image has transparency. It returns the encoded thumbnail,
// its type and its dimensions.
func thumbnail(r io.Reader, typ string, size int) ([]byte, string, int, int, error) {
	dec, ok := decoders[typ]
	if !ok {
		return nil, "", 0, 0, ErrNotImage
	}
	src, err := dec(bufio.NewReader(r))
	if err != nil {
		return nil, "", 0, 0, errs.Wrap(errs.Invalid, "the image cannot be decoded", ErrNotImage)
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > size || h > size {
		if w >= h {
			w, h = size, max(1, h*size/w)
		} else {
			w, h = max(1, w*size/h), size
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	// BiLinear widens its kernel by the scale factor when it shrinks: every source pixel counts,
	// so a large photo does not alias into noise.
	draw.BiLinear.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	var out bytes.Buffer
	if opaque(dst) {
		err = jpeg.Encode(&out, dst, &jpeg.Options{Quality: 82})
		return out.Bytes(), "image/jpeg", w, h, err
	}
	err = png.Encode(&out, dst)
	return out.Bytes(), "image/png", w, h, err
}

// opaque reports whether every pixel of m is fully opaque.
func opaque(m *image.RGBA) bool {
	for i := 3; i < len(m.Pix); i += 4 {
		if m.Pix[i] != 0xff {
			return false
		}
	}
	return true
}

"""Reference kernels written as explicit loops over positions, in float64.

Slow and obviously correct: each follows the textbook definition, with no tiling,
no im2col and no strided tricks, so the fast kernels can be checked against them.
"""

import numpy as np


def conv2d(x, weight, bias, stride, padding, dilation, groups):
    """out[n, k, y, x] = bias[k] + sum over the window of input * weight."""
    x, weight = x.astype(np.float64), weight.astype(np.float64)
    n, _, h, w = x.shape
    k, cg, kh, kw = weight.shape
    (sh, sw), (dh, dw) = stride, dilation
    (pt, pb), (pl, pr) = padding
    ho = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    wo = (w + pl + pr - dw * (kw - 1) - 1) // sw + 1
    kg = k // groups
    out = np.zeros((n, k, ho, wo))
    for b in range(n):
        for oc in range(k):
            g = oc // kg
            for oy in range(ho):
                for ox in range(wo):
                    total = 0.0 if bias is None else float(bias[oc])
                    for ic in range(cg):
                        for i in range(kh):
                            for j in range(kw):
                                iy = oy * sh + i * dh - pt
                                ix = ox * sw + j * dw - pl
                                if 0 <= iy < h and 0 <= ix < w:
                                    total += x[b, g * cg + ic, iy, ix] * weight[oc, ic, i, j]
                    out[b, oc, oy, ox] = total
    return out


def conv_transpose2d(x, weight, bias, stride, padding, output_padding, dilation, groups):
    """Every input pixel adds input * weight over its kernel footprint in the output."""
    x, weight = x.astype(np.float64), weight.astype(np.float64)
    n, c, h, w = x.shape
    _, kg, kh, kw = weight.shape
    (sh, sw), (ph, pw), (oh, ow), (dh, dw) = stride, padding, output_padding, dilation
    ho = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oh + 1
    wo = (w - 1) * sw - 2 * pw + dw * (kw - 1) + ow + 1
    cg = c // groups
    out = np.zeros((n, kg * groups, ho, wo))
    for b in range(n):
        for ic in range(c):
            g = ic // cg
            for iy in range(h):
                for ix in range(w):
                    for oc in range(kg):
                        for i in range(kh):
                            for j in range(kw):
                                oy = iy * sh + i * dh - ph
                                ox = ix * sw + j * dw - pw
                                if 0 <= oy < ho and 0 <= ox < wo:
                                    out[b, g * kg + oc, oy, ox] += x[b, ic, iy, ix] * weight[ic, oc, i, j]
    if bias is not None:
        out += np.asarray(bias, dtype=np.float64)[:, None, None]
    return out


def pool2d(x, kernel, stride, padding, mode):
    """Max or mean (padding counted as zero in the mean) of each window."""
    x = x.astype(np.float64)
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    ho = (h + 2 * ph - kh) // sh + 1
    wo = (w + 2 * pw - kw) // sw + 1
    out = np.zeros((n, c, ho, wo))
    for b in range(n):
        for ch in range(c):
            for oy in range(ho):
                for ox in range(wo):
                    values = []
                    for i in range(kh):
                        for j in range(kw):
                            iy, ix = oy * sh + i - ph, ox * sw + j - pw
                            inside = 0 <= iy < h and 0 <= ix < w
                            if inside:
                                values.append(x[b, ch, iy, ix])
                            elif mode == "avg":
                                values.append(0.0)
                    out[b, ch, oy, ox] = max(values) if mode == "max" else sum(values) / (kh * kw)
    return out


def batch_norm2d(x, weight, bias, mean, var, eps):
    """Per channel: (x - mean) / sqrt(var + eps) * weight + bias."""
    out = np.zeros(x.shape)
    for ch in range(x.shape[1]):
        out[:, ch] = (x[:, ch] - mean[ch]) / np.sqrt(float(var[ch]) + eps) * weight[ch] + bias[ch]
    return out


def softmax(x, axis):
    """exp(x) / sum(exp(x)) in float64 with the usual max shift."""
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def conv2d_grads(x, weight, g, stride, padding, dilation, groups):
    """(dL/dx, dL/dW) of conv2d for the upstream gradient g: each product x·w of the forward
    sends g·w back to x and g·x back to w."""
    x, weight, g = x.astype(np.float64), weight.astype(np.float64), g.astype(np.float64)
    n, _, h, w = x.shape
    k, cg, kh, kw = weight.shape
    (sh, sw), (dh, dw) = stride, dilation
    (pt, _), (pl, _) = padding
    ho, wo = g.shape[2:]
    kg = k // groups
    dx, dweight = np.zeros_like(x), np.zeros_like(weight)
    for b in range(n):
        for oc in range(k):
            grp = oc // kg
            for oy in range(ho):
                for ox in range(wo):
                    for ic in range(cg):
                        for i in range(kh):
                            for j in range(kw):
                                iy = oy * sh + i * dh - pt
                                ix = ox * sw + j * dw - pl
                                if 0 <= iy < h and 0 <= ix < w:
                                    dx[b, grp * cg + ic, iy, ix] += g[b, oc, oy, ox] * weight[oc, ic, i, j]
                                    dweight[oc, ic, i, j] += g[b, oc, oy, ox] * x[b, grp * cg + ic, iy, ix]
    return dx, dweight

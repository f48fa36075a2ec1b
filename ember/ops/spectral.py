"""Short-time Fourier transforms: ``torch.stft`` and its inverse ``torch.istft``.

Both are composed of ember ops (padding, strided frames, the window, ember.fft, and an
overlap-add through ``index_add``), so they are differentiable; the steps, defaults, checks
and warnings follow PyTorch's.
"""
import warnings


def _full_window(window, win_length, n_fft, like, name):
    """The window padded with zeros on both sides to n_fft (ones when none is given)."""
    if window is None:
        window = like.new_ones(win_length, dtype=like.dtype.to_real())
    elif window.dim() != 1 or window.shape[0] != win_length:
        raise RuntimeError("%s: expected a 1D window tensor of size equal to win_length=%d, but "
                           "got window with size %s" % (name, win_length, list(window.shape)))
    if win_length == n_fft:
        return window
    from ..nn.functional import pad
    left = (n_fft - win_length) // 2
    return pad(window, (left, n_fft - win_length - left))


def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
         pad_mode="reflect", normalized=False, onesided=None, return_complex=None):
    """The spectrum of overlapping windowed frames: (freq, frames) per signal."""
    from .. import fft
    from ..nn.functional import pad
    from .views_extra import view_as_real
    if return_complex is None and not (input.is_complex() or
                                       (window is not None and window.is_complex())):
        raise RuntimeError("stft requires the return_complex parameter be given for real inputs, "
                           "and will further require that return_complex=True in a future "
                           "PyTorch release.")
    if not return_complex:
        warnings.warn("stft with return_complex=False is deprecated. In a future pytorch release, "
                      "stft will return complex tensors for all inputs, and return_complex=False "
                      "will raise an error.\nNote: you can still call torch.view_as_real on the "
                      "complex output to recover the old return format.")
    if center:
        nd = input.dim()
        shape = (1,) * (3 - nd) + tuple(input.shape)
        half = n_fft // 2
        input = pad(input.view(shape), [half, half], pad_mode)
        input = input.view(tuple(input.shape)[-nd:])
    if input.dim() not in (1, 2):
        raise RuntimeError("stft: expected a 1D or 2D tensor, but got %dD tensor" % input.dim())
    x = input.unsqueeze(0) if input.dim() == 1 else input
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    length = x.shape[1]
    if n_fft <= 0 or n_fft > length:
        raise RuntimeError("stft: expected 0 < n_fft < %d, but got n_fft=%d" % (length, n_fft))
    if hop <= 0:
        raise RuntimeError("stft: expected hop_length > 0, but got hop_length=%d" % hop)
    if win <= 0 or win > n_fft:
        raise RuntimeError("stft: expected 0 < win_length <= n_fft, but got win_length=%d" % win)
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied,which is "
                      "known to cause spectral leakage. Other windows such as torch.hann_window "
                      "or torch.hamming_window are recommended to reduce spectral leakage.To "
                      "suppress this warning and use a rectangular window, explicitly set "
                      "`window=torch.ones(n_fft, device=<device>)`.")
        frames = x.unfold(-1, n_fft, hop)
    else:
        frames = x.unfold(-1, n_fft, hop) * _full_window(window, win, n_fft, x, "stft")
    if onesided is None:
        onesided = not (x.is_complex() or (window is not None and window.is_complex()))
    norm = "ortho" if normalized else "backward"
    if onesided:
        if frames.is_complex():
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        spec = fft.rfft(frames, dim=-1, norm=norm)
    else:
        if not frames.is_complex():
            frames = frames.to(frames.dtype.to_complex())
        spec = fft.fft(frames, dim=-1, norm=norm)
    spec = spec.transpose(1, 2)
    if input.dim() == 1:
        spec = spec.squeeze(0)
    return spec if return_complex else view_as_real(spec)


def _overlap_add(frames, hop, total):
    """Frames (B, n, n_fft) summed into signals (B, total) at offsets 0, hop, 2 hop, ..."""
    from .._creation import arange
    n, n_fft = frames.shape[1], frames.shape[2]
    idx = (arange(n).unsqueeze(1) * hop + arange(n_fft)).reshape(-1)
    out = frames.new_zeros((frames.shape[0], total))
    return out.index_add(1, idx, frames.reshape(frames.shape[0], -1))


def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
          normalized=False, onesided=None, length=None, return_complex=False):
    """The signal back from an stft spectrum (overlap-add, divided by the summed squared
    window)."""
    from .. import fft
    from ..nn.functional import pad
    if not input.is_complex():
        raise RuntimeError("istft requires a complex-valued input tensor matching the output "
                           "from stft with return_complex=True.")
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    nd = input.dim()
    if nd not in (2, 3):
        raise RuntimeError("istft: expected a tensor with %d dimensions of complex dtype, but "
                           "got %dD tensor" % (2, nd))
    x = input.unsqueeze(0) if nd == 2 else input
    n_frames, fft_size = x.shape[-1], x.shape[-2]
    total = n_fft + hop * (n_frames - 1)
    if onesided is None:
        onesided = fft_size != n_fft
    if onesided and n_fft // 2 + 1 != fft_size:
        raise RuntimeError("istft expected the frequency dimension (3rd to the last) of the "
                           "input tensor to match n_fft / 2 + 1 when onesided=True, but got %d"
                           % fft_size)
    if not onesided and n_fft != fft_size:
        raise RuntimeError("istft expected the frequency dimension (3rd to the last) of the "
                           "input tensor to match n_fft when onesided=False, but got %d"
                           % fft_size)
    if not 0 < hop <= win:
        raise RuntimeError("istft expected 0 < hop_length <= win_length")
    if not 0 < win <= n_fft:
        raise RuntimeError("istft expected 0 < win_length <= n_fft")
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied.Please "
                      "provide the same window used by stft to make the inversion lossless.To "
                      "suppress this warning and use a rectangular window, explicitly set "
                      "`window=torch.ones(n_fft, device=<device>)`.")
    w = _full_window(window, win, n_fft, x, "istft")
    x = x.transpose(1, 2)
    norm = "ortho" if normalized else "backward"
    if return_complex:
        if onesided:
            raise RuntimeError("cannot have onesided output if window or input is complex")
        frames = fft.ifft(x, dim=-1, norm=norm)
    else:
        if not onesided:
            x = x.narrow(-1, 0, n_fft // 2 + 1)
        frames = fft.irfft(x, n=n_fft, dim=-1, norm=norm)
    y = _overlap_add(frames * w.view(1, 1, n_fft), hop, total)
    envelope = _overlap_add((w * w).view(1, 1, n_fft).expand(1, n_frames, n_fft), hop, total)
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + length
    else:
        end = total - n_fft // 2 if center else total
    stop = min(end, total)
    y = y.narrow(1, start, max(stop - start, 0))
    envelope = envelope.narrow(1, start, max(stop - start, 0))
    if bool((envelope.abs().min() < 1e-11)) if envelope.numel() else False:
        raise RuntimeError("istft(...): window overlap add min: %g" % envelope.abs().min().item())
    y = y / envelope
    if nd == 2:
        y = y.squeeze(0)
    if end > total:
        warnings.warn("The length of signal is shorter than the length parameter. Result is "
                      "being padded with zeros in the tail. Please check your center and "
                      "hop_length settings.")
        y = pad(y, (0, end - total))
    return y

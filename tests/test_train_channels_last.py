"""The channels-last layout: the CPU default, seeded and bit-reproducible on one and two threads
(resume in either layout: ``test_train_resume.py``), close to the NCHW layout, validated."""
import pytest
import torch
from trainer_setup import fresh, quiet

from lrcourse.train import train


def weights(model):
    return [p.detach().clone() for p in model.parameters()]


def test_channels_last_is_the_cpu_default_and_close_to_nchw(tiny):
    runs = {}
    for name, cl in (("nchw", False), ("cl", True), ("default", None)):
        model, opt = fresh("sgd", 0.1, momentum=0.9)
        h = train(model, opt, tiny, epochs=2, channels_last=cl, **quiet())
        runs[name] = (h, model)
    (h0, m0), (h1, m1), (h, m) = runs["nchw"], runs["cl"], runs["default"]
    assert h.loss == h1.loss and all(torch.equal(a, b) for a, b in zip(m.parameters(), m1.parameters()))
    assert m[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert h.meta["channels_last"] is True and h0.meta["channels_last"] is False
    torch.testing.assert_close(torch.tensor(h1.loss), torch.tensor(h0.loss), rtol=1e-4, atol=1e-5)
    for a, b in zip(m1.parameters(), m0.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("threads", [1, 2])
def test_default_layout_is_bit_reproducible(tiny, threads):
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        runs = []
        for _ in range(2):
            model, opt = fresh("sgd", 0.1, momentum=0.9)
            h = train(model, opt, tiny, epochs=2, **quiet())
            runs.append((h, weights(model)))
    finally:
        torch.set_num_threads(before)
    (h1, w1), (h2, w2) = runs
    assert h1.loss == h2.loss and h1.test_loss == h2.test_loss
    assert all(torch.equal(a, b) for a, b in zip(w1, w2))


def test_channels_last_bad_value(tiny):
    model, opt = fresh("sgd", 0.1)
    with pytest.raises(TypeError, match=r"channels_last must be True, False or None .*got 'yes' of type str"):
        train(model, opt, tiny, epochs=1, channels_last="yes", **quiet())


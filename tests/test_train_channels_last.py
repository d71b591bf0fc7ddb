"""The opt-in channels_last layout: seeded, close to the default layout, resumable, validated."""
import pytest
import torch
from test_train import fresh, one_thread, quiet, tiny, train  # noqa: F401
from test_train_resume import assert_same_run, run


def test_channels_last_is_seeded_and_close_to_default(tiny):
    runs = {}
    for name, cl in (("default", False), ("cl", True), ("cl again", True)):
        model, opt = fresh("sgd", 0.1, momentum=0.9)
        h = train(model, opt, tiny, epochs=2, channels_last=cl, **quiet())
        runs[name] = (h, model)
    (h, m), (h1, m1), (h2, m2) = runs["default"], runs["cl"], runs["cl again"]
    assert h1.loss == h2.loss and all(torch.equal(a, b) for a, b in zip(m1.parameters(), m2.parameters()))
    assert m1[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert h1.meta["channels_last"] is True and h.meta["channels_last"] is False
    torch.testing.assert_close(torch.tensor(h1.loss), torch.tensor(h.loss), rtol=1e-4, atol=1e-5)
    for a, b in zip(m1.parameters(), m.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_channels_last_bad_value(tiny):
    model, opt = fresh("sgd", 0.1)
    with pytest.raises(TypeError, match=r"channels_last must be True or False, got 'yes'"):
        train(model, opt, tiny, epochs=1, channels_last="yes", **quiet())


def test_channels_last_resume_equals_uninterrupted(tiny, tmp_path):
    case = "sgd-momentum-channels-last"
    full_model, full = run(case, data=tiny, epochs=3)
    ckpt = tmp_path / "ckpt.pt"
    run(case, data=tiny, epochs=2, checkpoint=ckpt)
    model, h = run(case, data=tiny, epochs=3, resume=ckpt, init_seed=99)
    assert_same_run(full_model, full, model, h)

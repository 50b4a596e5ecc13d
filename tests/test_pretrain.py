"""Pretraining: a tiny run writes a safetensors checkpoint + model card, resumes exactly, stops cleanly."""

from __future__ import annotations

import json

import pytest
import torch

from conftest import assert_one_line_error, run_ncst
from model_support import image_folder, one_thread  # noqa: F401
from ncst_bridge.errors import NcstError
from ncst_bridge.model import checkpoint as ckpt
from ncst_bridge.model.data import PairDataset, list_images
from ncst_bridge.model.pretrain import PretrainConfig, pretrain

TINY = dict(size=64, batch=2, hidden=32, width=16, log_every=1, save_every=2, progress=False, device="cpu")


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    return image_folder(tmp_path_factory.mktemp("imgs") / "coco")


def _weights(folder) -> dict:
    state, _ = ckpt.read_model_file(folder)
    return state


def test_image_folder_is_searched_recursively(images):
    files = list_images(images)
    assert len(files) == 5 and {f.relative_to(images).parts[0] for f in files} == {"train", "val"}
    ds = PairDataset(files, "known-look", 64, seed=3, names=("brightness", "hue"))
    a, b = ds[7], ds[7]
    assert all(torch.equal(a[k], b[k]) for k in ("content", "style", "target"))  # a pure function of the index
    assert set(a) == {"content", "style", "target"} and a["content"].shape == (3, 64, 64)


def test_tiny_run_writes_checkpoint_and_card_and_resumes_exactly(images, tmp_path):
    full = tmp_path / "full"
    card = pretrain(PretrainConfig(images=str(images), out=str(full), iterations=4, command_line="ncst pretrain test", **TINY))
    for name in (ckpt.MODEL_FILE, ckpt.OPTIM_FILE, ckpt.CARD_FILE):
        assert (full / name).is_file()
    on_disk = json.loads((full / ckpt.CARD_FILE).read_text())
    assert on_disk["files"]["model_sha256"] == ckpt.sha256_file(full / ckpt.MODEL_FILE)
    assert card["encoder"] == "colour-stats" and card["objective"] == "known-look"
    assert card["data"]["images"] == 5 and card["training"]["iterations_done"] == 4
    assert [p["iteration"] for p in card["loss_curve"]] == [1, 2, 3, 4]
    assert {"supervised", "style", "loss"} <= set(card["loss_curve"][0])
    assert card["command_line"] == "ncst pretrain test" and "torch" in card["versions"]
    assert not any((full.parent).glob(".*part*"))  # atomic: no temp leftovers
    model = ckpt.load_model(full)
    assert not model.pv.to_params(model(torch.rand(1, 3, 64, 64), torch.rand(1, 3, 64, 64))[0]).is_neutral()

    # stop after 2 (Ctrl-C from the callback), then resume to 4: the same weights as the uninterrupted run
    part = tmp_path / "part"

    def interrupt(it, loss):
        if it == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pretrain(PretrainConfig(images=str(images), out=str(part), iterations=4, **TINY), callback=interrupt)
    assert json.loads((part / ckpt.CARD_FILE).read_text())["training"]["iterations_done"] == 2
    card2 = pretrain(PretrainConfig(images=str(images), resume=str(part), iterations=4, **TINY))
    assert card2["training"]["iterations_done"] == 4 and card2["resumed_from"] == [2]
    a, b = _weights(full), _weights(part)
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    assert [p["iteration"] for p in card2["loss_curve"]] == [1, 2, 3, 4]

    with pytest.raises(NcstError, match="already at iteration 4"):
        pretrain(PretrainConfig(images=str(images), resume=str(part), iterations=4, **TINY))
    with pytest.raises(NcstError, match="encoder"):
        pretrain(PretrainConfig(images=str(images), resume=str(part), iterations=6, encoder="vgg19", **TINY))
    with pytest.raises(NcstError, match="already exists"):
        pretrain(PretrainConfig(images=str(images), out=str(full), iterations=1, **TINY))


def test_paper_objective_with_vgg_losses_plumbing(images, tmp_path):
    """The paper objective with vgg19 runs its VGG style/content terms (random weights: plumbing only)."""
    card = pretrain(PretrainConfig(images=str(images), out=str(tmp_path / "p"), iterations=1, encoder="vgg19",
                                   objective="paper", **TINY), random_vgg_for_tests=True)
    assert {"vgg_style", "vgg_content", "style"} <= set(card["loss_curve"][0])
    assert card["model"]["encoder"]["random_weights"] is True


def test_cli_pretrain_and_its_errors(images, tmp_path, monkeypatch):
    out, export = tmp_path / "cli", tmp_path / "m.safetensors"
    proc = run_ncst("pretrain", "--images", images, "--out", out, "--iterations", "2", "--batch", "1",
                    "--size", "64", "--width", "8", "--hidden", "16", "--device", "cpu", "--threads", "1",
                    "--export", export, "--no-progress")
    assert proc.returncode == 0, proc.stderr
    card = json.loads(export.with_suffix(".json").read_text())
    assert card["command_line"].startswith("ncst pretrain --images") and "--export" in card["command_line"]
    assert ckpt.load_model(export).config()["width"] == 8

    env_home = tmp_path / "empty-torch-home"
    monkeypatch.setenv("TORCH_HOME", str(env_home))
    monkeypatch.delenv("NCST_VGG_WEIGHTS", raising=False)
    monkeypatch.delenv("NCST_VGG_DOWNLOAD", raising=False)
    proc = run_ncst("pretrain", "--images", images, "--out", tmp_path / "v", "--encoder", "vgg19")
    assert_one_line_error(proc, "vgg-weights", "NCST_VGG_WEIGHTS")
    assert not (tmp_path / "v").exists()


def test_bad_folders_and_options(tmp_path, images):
    (tmp_path / "empty").mkdir()
    for kwargs, needle in ((dict(images=str(tmp_path / "nowhere")), "no such folder"),
                           (dict(images=str(tmp_path / "empty")), "no images found"),
                           (dict(images=str(images), iterations=0), "--iterations"),
                           (dict(images=str(images), size=32), "too small")):
        with pytest.raises(NcstError, match=needle):
            pretrain(PretrainConfig(**{**TINY, "out": str(tmp_path / "o"), **kwargs}))
    assert not (tmp_path / "o").exists()

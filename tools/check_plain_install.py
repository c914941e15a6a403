"""Check the everyday fastai flow from a virtual environment made by the plain install (`pip install -e .`, no dev extras).

Usage (CI runs it with the plain environment's python):

    python tools/check_plain_install.py

On a folder of tiny synthetic images written to a temporary directory, it builds an ordinary fastai
`ImageDataLoaders` Learner with `DMLoss`, trains it briefly, then runs export → `load_learner` →
`predict` → `tta`, and a `DataBlock` Learner with `DMCallback` and `WeightRecorder`. Each flow prints one
line; any failure exits non-zero with its traceback. It needs only the runtime requirements of
settings.ini (this is what caught `Learner.export` failing to pickle with plum-dispatch 2.10).
"""
import sys, tempfile, warnings
from pathlib import Path

def main():
    import torch, torch.nn as nn
    torch.set_num_threads(1)
    from fastai.vision.all import ImageDataLoaders, DataBlock, ImageBlock, CategoryBlock, get_image_files, \
        GrandparentSplitter, parent_label, Learner, load_learner, accuracy, CrossEntropyLossFlat
    from dm_repro.losses import DMLoss
    from dm_repro.callback import DMCallback, WeightRecorder
    from dm_repro.test_utils import write_tiny_images
    warnings.filterwarnings('ignore')
    with tempfile.TemporaryDirectory() as d:
        path = write_tiny_images(Path(d)/'images', n_per_class=8)
        dls = ImageDataLoaders.from_folder(path, train='train', valid='valid', bs=4, num_workers=0, seed=0)
        torch.manual_seed(0)
        model = nn.Sequential(nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Linear(48, 2))
        learn = Learner(dls, model, loss_func=DMLoss(lam=0.5, beta=8), metrics=accuracy, lr=0.1)
        with learn.no_bar(), learn.no_logging(): learn.fit(2)
        print('fit: ok, valid', [round(float(v), 4) for v in learn.validate()])
        learn.export(Path(d)/'dm.pkl')
        print('export: ok')
        learn2 = load_learner(Path(d)/'dm.pkl')
        assert isinstance(learn2.loss_func, DMLoss) and learn2.loss_func.lam == 0.5
        print('load_learner: ok')
        img = get_image_files(path/'valid')[0]
        cls, idx, probs = learn2.predict(img)
        assert cls in dls.vocab and abs(float(probs.sum()) - 1) < 1e-5
        print(f'predict: ok ({cls}, p={float(probs.max()):.3f})')
        with learn.no_bar(): preds, targs = learn.tta(n=2)
        assert preds.shape == (len(dls.valid_ds), 2) and torch.isfinite(preds).all()
        print('tta: ok', tuple(preds.shape))
        with learn.no_bar(): learn.validate()  # the Learner still works after export
        dblock = DataBlock(blocks=(ImageBlock, CategoryBlock), get_items=get_image_files, splitter=GrandparentSplitter(), get_y=parent_label)
        learn3 = Learner(dblock.dataloaders(path, bs=4, num_workers=0), nn.Sequential(nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Linear(48, 2)),
                         loss_func=CrossEntropyLossFlat(), cbs=[DMCallback(lam=0.5, beta=8), WeightRecorder()], lr=0.1)
        with learn3.no_bar(), learn3.no_logging(): learn3.fit(1)
        assert not torch.isnan(learn3.weight_recorder.p_example).any()
        print('DataBlock + DMCallback + WeightRecorder: ok')
    print('plain-install flows passed')

if __name__ == '__main__': main()

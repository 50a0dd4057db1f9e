#!/usr/bin/python3
"""Regenerates the small dataset layout fixtures in this folder.

Every clip is a short excerpt of a real recording from ../shared/data (Speech
Commands, CC BY 4.0; the dcase_util example scene, MIT), written through
libsndfile (ctypes, no extra Python packages) in the formats the layouts must
handle: 8/16/24-bit and float WAV, FLAC, Ogg Vorbis, mono and stereo, several
rates (a rate change is a plain relabel of the samples, no resampling).

Run from the repository root:  /usr/bin/python3 tests/data/datasets/make_fixtures.py
"""
import ctypes
import ctypes.util
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, '..', '..', '..', '..', 'shared', 'data')
SC = os.path.join(SHARED, 'speech', 'speech-commands-sample')
DCASE = os.path.join(SHARED, 'sound', 'dcase-example', 'acoustic_scene.wav')

sf = ctypes.CDLL(ctypes.util.find_library('sndfile'))


class SFInfo(ctypes.Structure):
    _fields_ = [('frames', ctypes.c_int64), ('samplerate', ctypes.c_int),
                ('channels', ctypes.c_int), ('format', ctypes.c_int),
                ('sections', ctypes.c_int), ('seekable', ctypes.c_int)]


sf.sf_open.restype = ctypes.c_void_p
sf.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(SFInfo)]
sf.sf_readf_float.restype = ctypes.c_int64
sf.sf_readf_float.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
sf.sf_writef_float.restype = ctypes.c_int64
sf.sf_writef_float.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
sf.sf_close.argtypes = [ctypes.c_void_p]

SFM_READ, SFM_WRITE = 0x10, 0x20
WAV, FLAC, OGG = 0x010000, 0x170000, 0x200060 - 0x60
PCM_U8, PCM_16, PCM_24, FLOAT, VORBIS = 0x0005, 0x0002, 0x0003, 0x0006, 0x0060


def read(path):
    info = SFInfo()
    handle = sf.sf_open(path.encode(), SFM_READ, ctypes.byref(info))
    if not handle:
        sys.exit('cannot read ' + path)
    data = np.zeros((info.frames, info.channels), dtype=np.float32)
    sf.sf_readf_float(handle, data.ctypes.data, info.frames)
    sf.sf_close(handle)
    return data, info.samplerate


def write(path, data, rate, fmt):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = np.ascontiguousarray(data, dtype=np.float32)
    info = SFInfo(0, rate, data.shape[1], fmt, 0, 0)
    handle = sf.sf_open(path.encode(), SFM_WRITE, ctypes.byref(info))
    if not handle:
        sys.exit('cannot write ' + path)
    sf.sf_writef_float(handle, data.ctypes.data, data.shape[0])
    sf.sf_close(handle)


def excerpt(word, index, frames, offset=4000):
    files = sorted(f for f in os.listdir(os.path.join(SC, word)) if f.endswith('.wav'))
    data, _ = read(os.path.join(SC, word, files[index]))
    return data[offset:offset + frames]


def put(rel, text):
    path = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', newline='') as f:
        f.write(text)


def main():
    # ESC-50: 44.1 kHz mono 16-bit, 5 clips over 3 folds; one quoted field.
    esc = [('1-100032-A-0.wav', 1, 0, 'dog', 'True', 'dog'),
           ('1-115545-A-10.wav', 1, 10, 'rain', 'True', 'four'),
           ('1-17367-A-14.wav', 1, 14, 'chirping_birds', 'False', 'bird'),
           ('2-109505-A-0.wav', 2, 0, 'dog', 'True', 'dog'),
           ('3-102583-A-14.wav', 3, 14, 'chirping_birds', 'False', 'bird')]
    rows = ['filename,fold,target,category,esc10,src_file,take']
    for i, (name, fold, target, category, esc10, word) in enumerate(esc):
        write(os.path.join(HERE, 'esc50', 'audio', name), excerpt(word, i, 2205), 44100, WAV | PCM_16)
        src = name.split('-')[1]
        src_field = '"%s, excerpt"' % src if i == 2 else src  # RFC 4180 quoting
        rows.append('%s,%d,%d,%s,%s,%s,A' % (name, fold, target, category, esc10, src_field))
    put('esc50/meta/esc50.csv', '\r\n'.join(rows) + '\r\n')

    # UrbanSound8K, official metadata: varied rates, depths and channels.
    us = [('100032-3-0-0.wav', 1, 3, 'dog_bark', 48000, 2, PCM_24, 'dog'),
          ('100263-2-0-117.wav', 1, 2, 'children_playing', 11025, 1, PCM_U8, 'happy'),
          ('102305-6-0-0.wav', 2, 6, 'gun_shot', 44100, 1, FLOAT, 'stop')]
    rows = ['slice_file_name,fsID,start,end,salience,fold,classID,class']
    for i, (name, fold, cid, cls, rate, channels, fmt, word) in enumerate(us):
        mono = excerpt(word, i, 1000)
        data = np.hstack([mono, mono[::-1]]) if channels == 2 else mono
        write(os.path.join(HERE, 'urbansound8k', 'audio', 'fold%d' % fold, name), data, rate, WAV | fmt)
        rows.append('%s,%s,0.0,0.5,1,%d,%d,%s' % (name, name.split('-')[0], fold, cid, cls))
    put('urbansound8k/metadata/UrbanSound8K.csv', '\n'.join(rows) + '\n')

    # DCASE (TAU layout): stereo 44.1 kHz excerpts of the real scene clip.
    scene, _ = read(DCASE)
    clips = [('audio/street_traffic-lyon-1-0-a.wav', 'street_traffic', 'lyon-1', 'a', 'evaluate'),
             ('audio/airport-paris-2-0-a.wav', 'airport', 'paris-2', 'a', 'train'),
             ('audio/street_traffic-lyon-3-0-b.wav', 'street_traffic', 'lyon-3', 'b', 'train'),
             ('audio/park-vienna-4-0-c.wav', 'park', 'vienna-4', 'c', None)]
    meta = ['filename\tscene_label\tidentifier\tsource_label']
    train, evaluate, test = ['filename\tscene_label'], ['filename\tscene_label'], ['filename']
    for i, (name, label, ident, source, split) in enumerate(clips):
        write(os.path.join(HERE, 'dcase', name), scene[i * 44100:i * 44100 + 1500], 44100, WAV | PCM_16)
        meta.append('\t'.join([name, label, ident, source]))
        if split == 'train':
            train.append(name + '\t' + label)
        elif split == 'evaluate':
            evaluate.append(name + '\t' + label)
        test.append(name)
    put('dcase/meta.csv', '\n'.join(meta) + '\n')
    put('dcase/evaluation_setup/fold1_train.csv', '\n'.join(train) + '\n')
    put('dcase/evaluation_setup/fold1_evaluate.csv', '\n'.join(evaluate) + '\n')
    put('dcase/evaluation_setup/fold1_test.csv', '\n'.join(test) + '\n')

    # Folder per class: WAV, FLAC and Ogg Vorbis; a '_' folder that is not a class.
    write(os.path.join(HERE, 'folders', 'yes', 'a.wav'), excerpt('yes', 0, 800), 16000, WAV | PCM_16)
    write(os.path.join(HERE, 'folders', 'yes', 'b.flac'), excerpt('yes', 1, 800), 16000, FLAC | PCM_16)
    write(os.path.join(HERE, 'folders', 'no', 'c.ogg'), excerpt('no', 0, 1600), 16000, OGG | VORBIS)
    write(os.path.join(HERE, 'folders', 'no', 'd.wav'), excerpt('no', 1, 800), 8000, WAV | PCM_16)
    write(os.path.join(HERE, 'folders', '_background_noise_', 'n.wav'), excerpt('off', 0, 400), 16000, WAV | PCM_16)
    put('folders/notes.txt', 'not audio: ignored by the folders layout\n')

    # Gesture CSV with a fixed row count (3) and no separators: LF, UTF-8 BOM,
    # rows taken from the paper's bundled recordings (MIT).
    for cls in ('punch', 'flex'):
        with open(os.path.join(HERE, '..', '..', '..', 'datasets', 'gesture-punch-flex', cls + '.csv')) as f:
            lines = [l.strip() for l in f if l.strip()]
        header, data = lines[0], lines[1:]
        count = 2 if cls == 'punch' else 3
        put('gesture-fixed/%s.csv' % cls, '\ufeff' + header + '\n' + '\n'.join(data[:3 * count]) + '\n')


if __name__ == '__main__':
    main()

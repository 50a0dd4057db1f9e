#!/usr/bin/python3
"""Independent check of the shuffle goldens in tests/core/test_dataset_filters.cc:
a pure-Python mt19937_64 (constants from the C++ standard) and the Fisher-Yates
with rejection sampling documented in core/data/datasets/dataset.h."""

M=(1<<64)-1
class MT:
    def __init__(s, seed):
        s.mt=[0]*312; s.mt[0]=seed&M
        for i in range(1,312): s.mt[i]=(6364136223846793005*(s.mt[i-1]^(s.mt[i-1]>>62))+i)&M
        s.i=312
    def __call__(s):
        if s.i>=312:
            for k in range(312):
                y=(s.mt[k]&0xFFFFFFFF80000000)|(s.mt[(k+1)%312]&0x7FFFFFFF)
                s.mt[k]=s.mt[(k+156)%312]^(y>>1)^(0xB5026F5AA96619E9 if y&1 else 0)
            s.i=0
        y=s.mt[s.i]; s.i+=1
        y^=(y>>29)&0x5555555555555555; y^=(y<<17)&0x71D67FFFEDA60000; y^=(y<<37)&0xFFF7EEE000000000; y^=y>>43
        return y&M
g=MT(5489)
for _ in range(9999): g()
print(g()==9981545732273789042)
def shuffle(items, seed):
    g=MT(seed); items=list(items)
    for i in range(len(items),1,-1):
        t=(-i)%(1<<64)%i
        while True:
            r=g()
            if r>=t: j=r%i; break
        items[i-1],items[j]=items[j],items[i-1]
    return items
print(''.join(shuffle('0123456789',7)))
import csv
rows=[r['slice_file_name'] for r in csv.DictReader(open(__import__('os').path.join(__import__('os').path.dirname(__file__), '../../../../shared/data/sound') + '/urbansound8k-folds1-2/metadata.csv'))]
print(shuffle(rows,1234)[:2])
